# PoT (pose-only transformer), small size; input tau100.
_base_ = ['../_base_/default_runtime.py', '../_base_/mapdat.py', '../_base_/schedule.py']
tau = 'tau100'
model = dict(type='PoseRefiner', net=dict(t_in=150, type='PoT', h1=64, h2=50, n_heads=4, pose_layers=2, fusion_layers=2))
train_dataloader = dict(dataset=dict(tau=tau))
val_dataloader = dict(dataset=dict(tau=tau))
test_dataloader = dict(dataset=dict(tau=tau))
