# Stage 2 of the PoT twin, exactly as ../mapnet/mapnet_small_bank_ft.py (equal budget: 4000 + 2000 iterations).
#   python tools/train.py configs/baselines/pot_small_bank.py && python tools/train.py configs/baselines/pot_small_bank_ft.py
_base_ = ['./pot_small_bank.py']
model = dict(relative_loss_floor_mm=5.0)
load_from = 'work_dirs/pot_small_bank/iter_4000.pth'
max_iters = 2000
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=500)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=5e-4), clip_grad=dict(max_norm=1.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=100),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=100, end=max_iters, eta_min=1e-5),
]
