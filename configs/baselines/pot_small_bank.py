# PoT trained exactly like ../mapnet/mapnet_small_bank.py, without the audio branch (equal budget).
#   python tools/train.py configs/baselines/pot_small_bank.py
_base_ = ['./pot_small_correction.py']
model = dict(net=dict(smoothing_sigmas_s=(0.02, 0.04, 0.08, 0.16, 0.32, 0.64)))
