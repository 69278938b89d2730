# PoT (the paper's pose-only transformer) trained exactly like ../mapnet/mapnet_small_bank.py (the shipped model)
# -- same data, noise continuum, do-no-harm correction and smoothing bank, loss, schedule and iterations -- but
# without the audio branch: the equal-budget "does the audio help?" comparison
# (its weights were kept until the audio model shipped; numbers in the model card).
#   python tools/train.py configs/baselines/pot_small_bank.py
_base_ = ['../mapnet/mapnet_small_bank.py']
model = dict(
    type='PoseRefiner', vel_weight=0.5, use_audio=False,
    net=dict(_delete_=True, type='PoT', t_in=150, h1=64, h2=50, n_heads=4, pose_layers=2, fusion_layers=2,
             residual='correction', ff_dim=128, dropout=0.0,
             smoothing_sigmas_s=(0.02, 0.04, 0.08, 0.16, 0.32, 0.64)))
