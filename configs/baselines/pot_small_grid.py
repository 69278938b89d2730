# PoT (pose-only transformer) trained exactly like the shipped MAPnet (same data, grid input,
# loss, schedule) but without the audio branch: the like-for-like "does the audio help?" comparison.
_base_ = ['../mapnet/mapnet_small_grid.py']
model = dict(
    type='PoseRefiner', vel_weight=0.5, use_audio=False,
    net=dict(_delete_=True, type='PoT', t_in=150, h1=64, h2=50, n_heads=4, pose_layers=2, fusion_layers=2,
             residual=False, ff_dim=128, dropout=0.0))
