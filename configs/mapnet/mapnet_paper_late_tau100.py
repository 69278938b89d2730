# MAPnet as the paper: H1=160, H2=150, late fusion (12+2), rebalancing, MPJPE loss, Adam; input tau100.
_base_ = ['../_base_/default_runtime.py', '../_base_/mapdat.py', '../_base_/schedule.py']
tau = 'tau100'
model = dict(type='PoseRefiner', net=dict(t_in=150, type='MAPnet', h1=160, h2=150, n_heads=8, pose_layers=12, audio_layers=12, fusion_layers=2))
train_dataloader = dict(dataset=dict(tau=tau))
val_dataloader = dict(dataset=dict(tau=tau))
test_dataloader = dict(dataset=dict(tau=tau))
