# PoT (the paper's pose-only transformer) at the paper's size (H1 = 160, H2 = 150, 8 heads, 12 pose + 2 fusion
# layers) trained exactly like ../mapnet/mapnet_paper_grid.py but without the audio branch: the like-for-like
# "does the audio help?" comparison at that size. For a GPU (see that config for the CPU options).
_base_ = ['../mapnet/mapnet_paper_grid.py']
model = dict(
    type='PoseRefiner', vel_weight=0.5, use_audio=False,
    net=dict(_delete_=True, type='PoT', t_in=150, h1=160, h2=150, n_heads=8, pose_layers=12, fusion_layers=2,
             residual='gated', residual_gate='hard', residual_sigma_s=0.04, residual_unswap=True, dropout=0.0))
