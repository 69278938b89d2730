# Runtime shared by every training config (mmengine Runner).
default_scope = 'training'
custom_imports = dict(imports=['training.engine'], allow_failed_imports=False)
randomness = dict(seed=0, deterministic=False)
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # gloo so that `torchrun --nproc_per_node=2 tools/train.py CONFIG --launcher pytorch` works on CPUs.
    dist_cfg=dict(backend='gloo'))
# mmengine passes device_ids to the DDP wrapper; this one drops them for CPU modules.
model_wrapper_cfg = dict(type='training.CPUFriendlyDDP')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=500, max_keep_ckpts=2, save_last=True,
                    save_best='pose/mpjpe', rule='less'),
    sampler_seed=dict(type='DistSamplerSeedHook'))
log_processor = dict(by_epoch=False, window_size=50)
log_level = 'INFO'
load_from = None
resume = False
# Writes work_dir/rank_progress/rank<R>.json each step: shows that every DDP rank really trains.
custom_hooks = [dict(type='RankProgressHook')]
