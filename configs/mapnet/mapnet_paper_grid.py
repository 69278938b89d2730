# MAPnet at the paper's size (H1 = 160, H2 = 150, 8 heads, late fusion 12 + 2 layers, feed-forward 4 * H1,
# rebalancing; 8.2 M parameters) trained with the shipped model's recipe (mapnet_small_grid.py), and with
# left/right swaps undone by continuity in the training input frames too (unswap_input=True in the datasets), as
# at inference -- for a GPU: batch 64 with 7 loader processes. Table 2's MAPnet; the fusion and rebalancing
# ablations (mapnet_paper_grid_*.py) and PoT at this size (../baselines/pot_paper_grid.py) change a line each.
# Trained on the device GPU by scripts/device_train_paper.sh; on a CPU add
#   --cfg-options train_dataloader.num_workers=0 train_dataloader.persistent_workers=False
_base_ = ['./mapnet_small_grid.py']
model = dict(net=dict(h1=160, h2=150, n_heads=8, pose_layers=12, audio_layers=12, fusion_layers=2, ff_dim=None))
_window_set = dict(type='MAPdatWindows', split='train', input_mode='grid', online_noise=['realistic', 'paper'],
                   fps_range=(10.0, 60.0), unswap_input=True)
train_dataloader = dict(batch_size=64, num_workers=7, persistent_workers=True, dataset=dict(
    _delete_=True, type='ConcatWindows', datasets=[
        dict(_window_set, data_root='data_build/mapdat_realistic'),
        dict(_window_set, data_root='data_build/real_dance', repeats=2),
        dict(_window_set, data_root='data_build/real_mocap', repeats=20),
    ]))
val_dataloader = dict(num_workers=2, dataset=dict(unswap_input=True))
test_dataloader = dict(dataset=dict(unswap_input=True))
# 26 post-norm layers: a gentler peak rate and a longer warm-up than the small nets' 1e-3 / 200 steps
optim_wrapper = dict(optimizer=dict(lr=5e-4))
max_iters = 4000
param_scheduler = [
    dict(type='LinearLR', start_factor=0.05, by_epoch=False, begin=0, end=400),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=400, end=max_iters, eta_min=1e-5),
]
train_cfg = dict(max_iters=max_iters, val_interval=500)
default_hooks = dict(checkpoint=dict(interval=500))
