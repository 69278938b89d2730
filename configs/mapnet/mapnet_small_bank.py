# mapnet_small_correction.py plus a smoothing bank: per frame and joint the net also mixes its input with Gaussian
# smoothings of itself (0.02-0.64 s; softmax weights, starting at the identity, the mixture's deviation bounded and
# mean-free like the correction), so the filter a user would tune is one of its choices
# (pose_audio_refine/models/correction.py).
#   python tools/train.py configs/mapnet/mapnet_small_bank.py
_base_ = ['./mapnet_small_correction.py']
model = dict(net=dict(smoothing_sigmas_s=(0.02, 0.04, 0.08, 0.16, 0.32, 0.64)))
