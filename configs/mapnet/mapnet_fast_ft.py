# Stage 2 of the audio model: mapnet_fast.py's exported weights, fine-tuned with gain-invariant audio features
# (audio_level: RMS and level relative to each 3 s window, pose_audio_refine/audio/level.py) on the fast-stroke
# build whose audio went through a random recording chain (gain +-20 dB, room, noise, microphone colouring, band
# limit: training/simulator/effects.py::augment_audio), so that real recordings are met in domain.
#   python tools/build_mapdat.py --preset realistic_blur --out data_build/mapdat_fast_aug --takes 160 --variants 1 \
#       --fast-strokes 0.5 --audio-augment --workers 2
#   python tools/train.py configs/mapnet/mapnet_fast.py --cfg-options train_cfg.max_iters=2750
#   python tools/train.py configs/mapnet/mapnet_fast_ft.py --cfg-options train_cfg.max_iters=1750
# (the shipped run stopped at 1750 by the GPU run's deadline, and started from stage 3's float16 export)
_base_ = ['./mapnet_fast.py']
_fast_set = dict(type='MAPdatWindows', split='train', input_mode='grid', data_root='data_build/mapdat_fast_aug',
                 online_noise=['realistic_blur', 'realistic', 'white10'], fps_range=(10.0, 30.0),
                 noise_scale=(0.25, 0.35), repeats=2)
_window_set = dict(type='MAPdatWindows', split='train', input_mode='grid',
                   online_noise=['realistic', 'paper', 'drift_swaps30'], fps_range=(10.0, 60.0),
                   noise_scale=(0.25, 0.35))
train_dataloader = dict(dataset=dict(type='ConcatWindows', datasets=[
    _fast_set,
    dict(_window_set, data_root='data_build/mapdat_realistic'),
    dict(_window_set, data_root='data_build/real_dance', repeats=2),
    dict(_window_set, data_root='data_build/real_mocap', repeats=20),
], _delete_=True))
val_dataloader = dict(dataset=dict(data_root='data_build/mapdat_fast_aug'))
test_dataloader = dict(dataset=dict(data_root='data_build/mapdat_fast_aug'))
model = dict(init_from='work_dirs/mapnet_fast/iter_2750.pth', net=dict(audio_level=True))
max_iters = 4000
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=500)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=3e-4), clip_grad=dict(max_norm=1.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=100),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=100, end=max_iters, eta_min=1e-5),
]
