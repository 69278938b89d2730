# mapnet_small_grid_integral.py with a gated residual (residual='gated'): output = net + g * smoothed input,
# the gate g in (0, 1) predicted per frame and coordinate, starting open. The net can keep the Gaussian-smoothed
# input (sigma 0.1 s) where it is good -- realistic noise, and motion unlike violin playing such as the real
# dance set -- and replace it where it is noise (the paper's 300 mm jitter).
# (residual='smooth', a plain correction of the smoothed input, stayed at the smoother's error on paper noise:
# 166 -> 170 mm over 150 Adam steps while this and the plain head fell to ~80 mm.)
_base_ = ['./mapnet_small_grid_integral.py']
model = dict(net=dict(residual='gated', residual_sigma_s=0.1))
