# Fine-tune of mapnet_small_grid_unswap.py (its 4000-iteration weights) with the real dance TRAIN split weighted
# up (repeats 2 -> 6: ~60 % of the samples instead of ~40 %) at a tenth of the learning rate, for 1000 more
# iterations. Why: on the real dance test windows the shipped model was 12 mm worse than a tuned Gaussian
# (74 vs 61 mm) -- it was 6 mm worse than the smoother on dance TRAIN windows too (70 vs 64 mm at tau 0.33), so
# the model under-fits dance rather than over-fitting the training dancers.
_base_ = ['./mapnet_small_grid_unswap.py']
load_from = 'work_dirs/mapnet_small_grid_unswap/iter_4000.pth'
max_iters = 1000
noise = ['realistic', 'paper']
_window_set = dict(type='MAPdatWindows', split='train', input_mode='grid', online_noise=noise, fps_range=(10.0, 60.0))
train_dataloader = dict(dataset=dict(_delete_=True, type='ConcatWindows', datasets=[
    dict(_window_set, data_root='data_build/mapdat_realistic'),
    dict(_window_set, data_root='data_build/real_dance', repeats=6),
    dict(_window_set, data_root='data_build/real_mocap', repeats=20),
]))
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=500)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-4))
param_scheduler = [dict(type='CosineAnnealingLR', by_epoch=False, begin=0, end=max_iters, eta_min=1e-5)]
# Measured (200 test windows, tau 0.33, /work-side script in the session note): real dance 73.6 -> 70.4 mm,
# realistic violin 48.4 -> 47.8, paper 38.6 -> 38.3 -- better, but still far from the tuned Gaussian's 61.7 mm.
# The cause turned out to be elsewhere (the in-place unswap rule misfiring on dance; see layers.unswap_pairs).
