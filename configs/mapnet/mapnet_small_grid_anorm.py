# The shipped recipe (mapnet_small_grid.py) with the audio columns standardised before the embedding
# (audio_norm=True). Without it mfcc_0 (~ -350 +- 90) dwarfs rms (~ 0.05) and the onset columns -- the ones
# bowing causes -- and the shuffled-audio control showed the net hardly listened.
_base_ = ['./mapnet_small_grid.py']
model = dict(net=dict(audio_norm=True))
