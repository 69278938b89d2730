# PoT: the paper's pose-only transformer (MAPnet's pose branch and head, no audio); input tau050.
_base_ = ['../_base_/default_runtime.py', '../_base_/mapdat.py', '../_base_/schedule.py']
tau = 'tau050'
model = dict(type='PoseRefiner', net=dict(t_in=75, type='PoT', h1=160, h2=150, n_heads=8, pose_layers=12, fusion_layers=2))
train_dataloader = dict(dataset=dict(tau=tau))
val_dataloader = dict(dataset=dict(tau=tau))
test_dataloader = dict(dataset=dict(tau=tau))
