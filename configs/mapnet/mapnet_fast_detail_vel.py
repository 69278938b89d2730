# Stage 7 of the audio model (what ships): stage 6 (mapnet_fast_detail_sf.py) trained on, the audio detail alone,
# with the velocity term of the loss weighted 4x (vel_weight 1 -> 4). Why: what the audio can add is fast motion --
# bow changes, tremolo, sautille -- and its targets are the bowing wrist's velocity and bow-change timing; a position
# loss lets the detail stay timid where the stroke's sign is uncertain. Measured against stage 6 (model card): 2x and
# 8x bracket it; 4x lowered the fast-stroke velocity error at every rate and kept the most do-no-harm sweep cells.
#   python tools/train.py configs/mapnet/mapnet_fast_detail_vel.py
# (the shipped run: 2000 iterations on 2 CPU cores, ~6 min, from stage 6's float16 export --
#  git show fe26473:pose_audio_refine/weights/mapnet_fast.pth -- with model.init_from pointing at it)
_base_ = ['./mapnet_fast_detail_sf.py']
model = dict(init_from='work_dirs/mapnet_fast_detail_sf/iter_3000.pth', vel_weight=4.0)
max_iters = 2000
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=1000)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=2e-4), clip_grad=dict(max_norm=1.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=50, end=max_iters, eta_min=1e-5),
]
