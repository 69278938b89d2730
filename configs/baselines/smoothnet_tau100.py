# SmoothNet-style temporal MLP over the linearly upsampled input; input tau100.
_base_ = ['../_base_/default_runtime.py', '../_base_/mapdat.py', '../_base_/schedule.py']
tau = 'tau100'
model = dict(type='PoseRefiner', net=dict(type='SmoothNetMLP'))
train_dataloader = dict(dataset=dict(tau=tau))
val_dataloader = dict(dataset=dict(tau=tau))
test_dataloader = dict(dataset=dict(tau=tau))
