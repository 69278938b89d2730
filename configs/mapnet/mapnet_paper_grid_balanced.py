# Table 4's fusion ablation, balanced fusion: mapnet_paper_grid.py (paper size, shipped recipe) with 7 pose/audio
# layers and 7 fusion layers. (Late fusion, 12 + 2, is mapnet_paper_grid.py itself.)
_base_ = ['./mapnet_paper_grid.py']
model = dict(net=dict(pose_layers=7, audio_layers=7, fusion_layers=7))
