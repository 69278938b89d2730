# MotionBERT (DSTformer, 243 frames, fine-tuned on H36M) followed by audio-assisted MAPnet refinement.
# MotionBERT's decoder outputs root-relative H36M keypoints (nominally metres); the inferencer re-axes them to z up.
_base_ = ['mmpose::body_3d_keypoint/motionbert/h36m/'
          'motionbert_dstformer-ft-243frm_8xb32-120e_h36m.py']

custom_imports = dict(imports=['pose_audio_refine.mmpose'], allow_failed_imports=False)

refiner = dict(_scope_='pose_audio_refine', type='MAPnetRefiner', checkpoint=None,
               skeleton='h36m', out_fps=50)
