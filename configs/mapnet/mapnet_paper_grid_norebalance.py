# Table 5's ablation: mapnet_paper_grid.py (paper size, shipped recipe) without the rebalancing layers -- the
# 150 pose and 150 audio tokens are concatenated along time and the head maps from that length.
_base_ = ['./mapnet_paper_grid.py']
model = dict(net=dict(rebalance=False))
