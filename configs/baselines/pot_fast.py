# The audio model's pose-only twin at equal budget (issue "the audio must recover what the poses cannot": "the
# same net trained without audio at equal budget"): configs/mapnet/mapnet_fast.py -- same start (the shipped
# do-no-harm weights), data, noise, schedule and iterations -- with the audio never fed (PoseRefiner
# use_audio=False: the net gets audio=None, so its audio-driven detail is zero and the audio branch unused).
#   python tools/train.py configs/baselines/pot_fast.py
_base_ = ['../mapnet/mapnet_fast.py']
model = dict(use_audio=False)
max_iters = 2750  # what the audio model's GPU run reached before its deadline (its exported iteration)
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=500)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=100),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=100, end=4000, eta_min=1e-5),
]
