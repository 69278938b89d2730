# Stage 2 of the PoT twin, exactly as ../mapnet/mapnet_small_bank_ft.py (equal budget: 4000 + 2000 iterations),
# from stage 1's end.
#   python tools/train.py configs/baselines/pot_small_bank.py && python tools/train.py configs/baselines/pot_small_bank_ft.py
_base_ = ['../mapnet/mapnet_small_bank_ft.py']
model = dict(
    type='PoseRefiner', vel_weight=0.5, use_audio=False, relative_loss_floor_mm=5.0,
    net=dict(_delete_=True, type='PoT', t_in=150, h1=64, h2=50, n_heads=4, pose_layers=2, fusion_layers=2,
             residual='correction', ff_dim=128, dropout=0.0,
             smoothing_sigmas_s=(0.02, 0.04, 0.08, 0.16, 0.32, 0.64)))
load_from = 'work_dirs/pot_small_bank/iter_4000.pth'
