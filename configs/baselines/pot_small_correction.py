# PoT (the paper's pose-only transformer) trained exactly like ../mapnet/mapnet_small_correction.py (the shipped
# model) -- same data, noise continuum, do-no-harm correction, loss, schedule and iterations -- but without the audio
# branch: the equal-budget "does the audio help?" comparison (weights kept: training/weights/pot_small_correction.pth).
#   python tools/train.py configs/baselines/pot_small_correction.py
_base_ = ['../mapnet/mapnet_small_correction.py']
model = dict(
    type='PoseRefiner', vel_weight=0.5, use_audio=False,
    net=dict(_delete_=True, type='PoT', t_in=150, h1=64, h2=50, n_heads=4, pose_layers=2, fusion_layers=2,
             residual='correction', ff_dim=128, dropout=0.0))
