# PoT (the paper's pose-only transformer) trained exactly like ../mapnet/mapnet_small_grid.py (the shipped model)
# -- same data, grid input, noise presets, gated residual ('hard' gate over a 0.04 s base, swaps undone by
# continuity in the base and in the input frames), loss, schedule and iterations -- but without the audio branch:
# the equal-budget "does the audio help?" comparison (weights kept: training/weights/pot_small_grid_hardgate.pth).
_base_ = ['../mapnet/mapnet_small_grid.py']
model = dict(
    type='PoseRefiner', vel_weight=0.5, use_audio=False,
    net=dict(_delete_=True, type='PoT', t_in=150, h1=64, h2=50, n_heads=4, pose_layers=2, fusion_layers=2,
             residual='gated', residual_gate='hard', residual_sigma_s=0.04, residual_unswap=True, ff_dim=128,
             dropout=0.0))
