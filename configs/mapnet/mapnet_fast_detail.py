# Stage 5 of the audio model (what ships): stage 4 (mapnet_fast_ft.py) with everything but the audio-driven detail
# frozen, the detail fine-tuned with four times the sound-making joints' loss and twice the velocity weight, on
# fast strokes seen at the rates that alias them (10-20 fps). Why frozen: every fine-tune of the whole net in this
# chain moved clean real motion more (MoCap Toolbox at 10 fps, model card); the detail is exactly zero without
# audio, so with the rest frozen the pose-only refinement -- all a silent or audio-less track gets -- is stage 4's,
# bit for bit, and only what the sound adds changes.
#   python tools/train.py configs/mapnet/mapnet_fast_ft.py --cfg-options train_cfg.max_iters=1750   # stage 4 first
#   python tools/train.py configs/mapnet/mapnet_fast_detail.py
# (the shipped run: 3000 iterations on 2 CPU cores, ~15 min, from stage 4's float16 export --
#  git show 5de519e:pose_audio_refine/weights/mapnet_fast.pth -- with model.init_from pointing at it)
_base_ = ['./mapnet_fast_ft.py']
_fast_set = dict(type='MAPdatWindows', split='train', input_mode='grid', data_root='data_build/mapdat_fast_aug',
                 online_noise=['realistic_blur', 'realistic', 'white10'], fps_range=(10.0, 20.0),
                 noise_scale=(0.25, 0.35), repeats=3)
_window_set = dict(type='MAPdatWindows', split='train', input_mode='grid',
                   online_noise=['realistic', 'paper', 'drift_swaps30'], fps_range=(10.0, 60.0),
                   noise_scale=(0.25, 0.35))
train_dataloader = dict(dataset=dict(type='ConcatWindows', datasets=[
    _fast_set,
    dict(_window_set, data_root='data_build/mapdat_realistic'),
    dict(_window_set, data_root='data_build/real_dance', repeats=2),
    dict(_window_set, data_root='data_build/real_mocap', repeats=20),
], _delete_=True))
model = dict(init_from='work_dirs/mapnet_fast_ft/iter_1750.pth', vel_weight=1.0, sound_joint_weight=4.0,
             trainable=['detail'])
max_iters = 3000
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=500)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=5e-4), clip_grad=dict(max_norm=1.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=50, end=max_iters, eta_min=1e-5),
]
