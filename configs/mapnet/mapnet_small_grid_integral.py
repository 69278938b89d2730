# mapnet_small_grid_anorm.py plus the signed loudness integral as a 36th audio channel
# (MAPnet(loudness_integral=True)): RMS summed over the window with its sign flipped at every onset, which
# traces the bow along the stroke. Everything else as the shipped recipe.
_base_ = ['./mapnet_small_grid_anorm.py']
model = dict(net=dict(loudness_integral=True))
