# Stage 10 of the audio model: stage 9 (mapnet_fast_detail_vel16.py) trained on, the audio detail alone, with its
# convolution widened by three identity-initialised blocks (dilations 16, 32, 64: receptive field +-0.34 s ->
# +-2.6 s, the whole window). Why: the sound tells when the bow changes and how fast it moves, not which way
# (audio_ceiling.md: fitting the stroke's sign from the camera's samples is what separates the oracle trace from
# the oracle direction); one sign holds for a whole run of alternating strokes, so the detail should weigh the
# pose samples of the whole passage, not the +-0.34 s (3-4 samples at 10 fps) it saw.
#   python tools/train.py configs/mapnet/mapnet_fast_detail_wide.py
# (the shipped run: 3000 iterations on 2 CPU cores, ~6 min, from stage 9's float16 export --
#  git show 7197be6:pose_audio_refine/weights/mapnet_fast.pth -- with model.init_from pointing at it; the widened net
#  starts computing exactly what stage 9 does)
_base_ = ['./mapnet_fast_detail_vel16.py']
model = dict(init_from='work_dirs/mapnet_fast_detail_vel16/iter_2000.pth', vel_weight=16.0,
             net=dict(detail_extra_dilations=(16, 32, 64)))
max_iters = 3000
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=1000)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=50, end=max_iters, eta_min=1e-5),
]
