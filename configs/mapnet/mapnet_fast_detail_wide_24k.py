# Stage 16 of the audio model: stage 15 (mapnet_fast_detail_wide_9k.py) trained on with the same
# recipe, 24000 more iterations (the audio detail alone). Why: stage 14 -> 15 (9000 iterations) still lowered the
# fast-stroke velocity error at every rate (10 fps: 376 -> 369 mm/s, 17 fps: 246 -> 242) with the do-no-harm sweep
# unchanged, so the detail was not yet trained out; this run is the longest yet, 24000 (model card).
#   python tools/train.py configs/mapnet/mapnet_fast_detail_wide_24k.py
# (the shipped run: 24000 iterations on 2 CPU cores, 88 min at 0.19-0.24 s an iteration, from stage 15's float16 export --
#  git show ddafe89:pose_audio_refine/weights/mapnet_fast.pth -- with model.init_from pointing at it)
_base_ = ['./mapnet_fast_detail_wide_9k.py']
model = dict(init_from='work_dirs/mapnet_fast_detail_wide_9k/iter_9000.pth')
max_iters = 24000
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=24000)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=50, end=max_iters, eta_min=1e-5),
]
