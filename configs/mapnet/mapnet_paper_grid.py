# The paper's MAPnet size (H1 = 160, H2 = 150, 8 heads, late fusion 12 + 2 layers, feed-forward 4 * H1;
# 8.2 M parameters) trained with the shipped model's recipe (grid input, both noise presets made on the fly at
# 10-60 fps, audio dropout, real-motion train splits, hard gate over a 0.04 s base, swaps undone by continuity in
# the input frames during training as at inference) -- for a GPU: batch 64 with 7 loader processes.
# Trained on the device GPU by scripts/device_train_paper.sh; on a CPU add
#   --cfg-options train_dataloader.num_workers=0 train_dataloader.persistent_workers=False
_base_ = ['./mapnet_small_grid_hardgate_trainunswap.py']
model = dict(net=dict(h1=160, h2=150, n_heads=8, pose_layers=12, audio_layers=12, fusion_layers=2, ff_dim=None))
train_dataloader = dict(batch_size=64, num_workers=7, persistent_workers=True)
val_dataloader = dict(num_workers=2)
# 26 post-norm layers: a gentler peak rate and a longer warm-up than the small nets' 1e-3 / 200 steps
optim_wrapper = dict(optimizer=dict(lr=5e-4))
max_iters = 4000
param_scheduler = [
    dict(type='LinearLR', start_factor=0.05, by_epoch=False, begin=0, end=400),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=400, end=max_iters, eta_min=1e-5),
]
train_cfg = dict(max_iters=max_iters, val_interval=500)
default_hooks = dict(checkpoint=dict(interval=500))
