# Table 4's fusion ablation, early fusion: mapnet_paper_grid.py (paper size, shipped recipe) with 2 pose/audio
# layers and 12 fusion layers.
_base_ = ['./mapnet_paper_grid.py']
model = dict(net=dict(pose_layers=2, audio_layers=2, fusion_layers=12))
