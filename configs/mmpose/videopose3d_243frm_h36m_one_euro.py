# VideoPose3D (243-frame TCN, H36M) followed by the 1-euro filter that MMPose 0.x had (`--smooth` with
# `smoother_cfg`/`filter_cfg`) and 1.x dropped: the audio-free baseline. Same stanza as the MAPnet config with
# one word changed, plus the filter's own parameters (min_cutoff Hz, beta per mm/s, d_cutoff Hz).
_base_ = ['mmpose::body_3d_keypoint/video_pose_lift/h36m/'
          'video-pose-lift_tcn-243frm-supv-cpn-ft_8xb128-200e_h36m.py']

custom_imports = dict(imports=['pose_audio_refine.mmpose'], allow_failed_imports=False)

refiner = dict(_scope_='pose_audio_refine', type='OneEuroRefiner', checkpoint=None,
               skeleton='h36m', out_fps=50, min_cutoff=1.0, beta=0.01)
