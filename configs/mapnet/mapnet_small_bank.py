# The shipped model (pose_audio_refine/weights/mapnet_small_bank.pth; model card beside it): MAPnet at a small,
# CPU-trainable size whose output is the input plus changes that cannot harm a good track
# (residual='correction', pose_audio_refine/models/correction.py):
#   * a learned correction and a smoothing bank -- per frame and joint a mixture of the input with Gaussian
#     smoothings of itself, 0.02-0.64 s around the window's straight-line trend, so the filter a user would tune
#     is one of its choices and travelling motion is not pulled back -- both bounded by the window's evident noise
#     per joint and mean-free over the window: a clean or still track cannot be moved, and the net de-jitters
#     and un-swaps but never relocates the person;
#   * the pose fed root-relative per frame plus the root's path (a dancer crossing the floor looks like one in
#     place). Trained on a continuum of noise levels down to
# none (noise_scale: 25 % clean, 35 % scaled by U(0, 1), the rest full), three presets (realistic, paper, and
# 30 mm jitter with drift and swaps) at ANY rate in 10-60 fps made on the fly from the ground truth, on simulated
# violin plus the real-motion sets' TRAIN splits, with audio dropout so that the same weights serve pose-only input.
#   python tools/train.py configs/mapnet/mapnet_small_bank.py        (~40 min on 2 CPU cores, 1 torch thread)
# The model shipped before it (residual='gated'; damaged clean input by 20 mm) is configs/mapnet/mapnet_small_grid.py.
_base_ = ['../_base_/default_runtime.py']

# Data: build with `python tools/build_mapdat.py --preset realistic --out data_build/mapdat_realistic` (its ground
# truth and audio; the noise is made on the fly) and the two --real builds (README, Training and evaluation).
data_root = 'data_build/mapdat_realistic'
noise = ['realistic', 'paper', 'drift_swaps30']
noise_scale = (0.25, 0.35)
tau = 'tau033'  # stored input rate, read only without online noise (which draws its rate from fps_range)
batch_size = 32
_window_set = dict(type='MAPdatWindows', split='train', input_mode='grid', online_noise=noise, fps_range=(10.0, 60.0),
                   noise_scale=noise_scale)
train_dataloader = dict(
    batch_size=batch_size, num_workers=0, persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),  # iteration-based loop
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='ConcatWindows', datasets=[
        dict(_window_set, data_root=data_root),
        dict(_window_set, data_root='data_build/real_dance', repeats=2),
        dict(_window_set, data_root='data_build/real_mocap', repeats=20),
    ]))
val_dataloader = dict(
    batch_size=64, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='MAPdatWindows', data_root=data_root, split='val', tau=tau, input_mode='grid', max_samples=500,
                 online_noise=noise, fps_range=(10.0, 60.0)))
test_dataloader = dict(
    batch_size=64, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='MAPdatWindows', data_root=data_root, split='test', tau=tau, input_mode='grid',
                 online_noise=noise, fps_range=(10.0, 60.0)))
val_evaluator = dict(type='PoseMetric')
test_evaluator = dict(type='PoseMetric')

model = dict(
    type='PoseRefiner', vel_weight=0.5,
    net=dict(type='MAPnet', t_in=150, h1=64, h2=50, n_heads=4, pose_layers=2, audio_layers=2, fusion_layers=2,
             ff_dim=128,
             dropout=0.0,  # no dropout: on CPUs it costs ~30 % of a step, and online noise already regularises
             audio_dropout=0.3, audio_norm=True, loudness_integral=True, residual='correction',
             smoothing_sigmas_s=(0.02, 0.04, 0.08, 0.16, 0.32, 0.64)))
# Inference: undo left/right swaps in the input frames by continuity before they are gridded (pose_audio_refine.swaps).
unswap_input = True

# Schedule: Adam (paper §5.1), warm-up then cosine decay, iteration-based so a run's length does not depend on the
# data size.
max_iters = 4000
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=500)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3), clip_grad=dict(max_norm=1.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=200),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=200, end=max_iters, eta_min=1e-5),
]
default_hooks = dict(checkpoint=dict(interval=250))
