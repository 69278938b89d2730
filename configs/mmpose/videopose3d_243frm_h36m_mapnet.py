# VideoPose3D (243-frame TCN, CPN 2D input, fine-tuned on H36M) followed by audio-assisted MAPnet refinement.
# The base is MMPose's own config (resolved from the installed mmpose package by `mmpose::`); this file only
# adds the refiner stanza. Build it with
#   from mmengine import Config; from mmpose.registry import MODELS
#   refiner = MODELS.build(Config.fromfile(THIS_FILE).refiner)
# or use it with tools/refine_mmpose.py --config THIS_FILE.
_base_ = ['mmpose::body_3d_keypoint/video_pose_lift/h36m/'
          'video-pose-lift_tcn-243frm-supv-cpn-ft_8xb128-200e_h36m.py']

custom_imports = dict(imports=['pose_audio_refine.mmpose'], allow_failed_imports=False)

# checkpoint=None: the bundled MAPnet weights. frame='mmpose': the inferencer's/demo's z-up rebased output,
# in metres (H36M lifters). Switch method with one word: type='OneEuroRefiner' / 'SavitzkyGolayRefiner' /
# 'GaussianRefiner'.
refiner = dict(_scope_='pose_audio_refine', type='MAPnetRefiner', checkpoint=None,
               skeleton='h36m', out_fps=50)
