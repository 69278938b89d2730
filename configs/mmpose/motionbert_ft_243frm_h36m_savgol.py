# MotionBERT (H36M) followed by Savitzky-Golay smoothing (MMPose 0.x's SavizkyGolayFilter, dropped in 1.x).
_base_ = ['mmpose::body_3d_keypoint/motionbert/h36m/'
          'motionbert_dstformer-ft-243frm_8xb32-120e_h36m.py']

custom_imports = dict(imports=['pose_audio_refine.mmpose'], allow_failed_imports=False)

refiner = dict(_scope_='pose_audio_refine', type='SavitzkyGolayRefiner', checkpoint=None,
               skeleton='h36m', out_fps=50, window=11, polyorder=3)
