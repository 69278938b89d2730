# Stage 2 of the shipped model: mapnet_small_bank.py's 4000 iterations, fine-tuned 2000 more with each window's
# loss weighed by 1 / (its input's error + 5 mm) (PoseRefiner relative_loss_floor_mm): without it the clean and
# lightly noisy windows' few mm vanish beside the paper noise's hundreds, and the net smooths clean real motion
# (6.5 mm on clean 25 fps dance, linear interpolation 0.9); trained from scratch with a 2 mm floor it stops
# smoothing noisy input enough (model card). Same data, noise continuum and everything else.
#   python tools/train.py configs/mapnet/mapnet_small_bank.py && python tools/train.py configs/mapnet/mapnet_small_bank_ft.py
_base_ = ['./mapnet_small_bank.py']
model = dict(relative_loss_floor_mm=5.0)
load_from = 'work_dirs/mapnet_small_bank/iter_4000.pth'
max_iters = 2000
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=500)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=5e-4), clip_grad=dict(max_norm=1.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=100),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=100, end=max_iters, eta_min=1e-5),
]
