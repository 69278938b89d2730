# mapnet_small_grid_unswap.py with a gate that can open completely (residual_gate='hard') over a lighter base
# (residual_sigma_s 0.04 s).
# Why: on the real dance set the sigmoid gate sat at its starting 0.98 (gradient 0.02), and the correction had to
# add back the missing 2 % of the centred input: window-constant offsets of 28-34 mm at the joints furthest from
# the centre, 73-75 mm MPJPE against the best classical filter's 61. And the 0.1 s base itself over-smooths fast
# real motion (64.3 mm on the dance windows at tau 0.33; 0.04 s: 61.6 mm, the tuned filters' level), while on
# violin the gate is mostly shut and the correction does the work.
_base_ = ['./mapnet_small_grid_unswap.py']
model = dict(net=dict(residual_gate='hard', residual_sigma_s=0.04))
# Inference: undo left/right swaps in the input frames by continuity before they are gridded
# (pose_audio_refine.swaps; recorded in the sidecar as unswap_input, read by the Refiner and the benchmark).
unswap_input = True
