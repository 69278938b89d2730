# Stage 12 of the audio model: stage 11 (mapnet_fast_detail_wide_ft.py) trained on with the same recipe over a longer
# cosine, 8000 iterations (the audio detail alone). Why: each 3000 iterations so far still lowered the fast-stroke
# velocity error (17 fps: 291 -> 282 -> 277 mm/s), so the detail wanted a longer schedule rather than another change.
#   python tools/train.py configs/mapnet/mapnet_fast_detail_wide_long.py
# (the shipped run: 8000 iterations on 2 CPU cores, ~17 min, from stage 11's float16 export, model.init_from pointing
#  at it)
_base_ = ['./mapnet_fast_detail_wide_ft.py']
model = dict(init_from='work_dirs/mapnet_fast_detail_wide_ft/iter_3000.pth')
max_iters = 8000
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=2000)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=50, end=max_iters, eta_min=1e-5),
]
