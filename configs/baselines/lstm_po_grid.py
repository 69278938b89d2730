# LSTM-Po (the paper's pose-only LSTM over the input upsampled to the 150 output frames), trained like the shipped
# MAPnet (../mapnet/mapnet_small_grid.py: same data, grid input, noise presets, loss and schedule), so the
# benchmark compares like with like. The README's row: 1500 iterations (--max-iters 1500).
_base_ = ['../mapnet/mapnet_small_grid.py']
model = dict(type='PoseRefiner', vel_weight=0.5, use_audio=False, net=dict(_delete_=True, type='LSTMPo'))
unswap_input = False  # as measured: the input frames are served as the estimator gave them
