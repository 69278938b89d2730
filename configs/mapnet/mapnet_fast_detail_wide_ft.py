# Stage 11 of the audio model: stage 10 (mapnet_fast_detail_wide.py) trained on with the same recipe, 3000 more
# iterations (the audio detail alone). Why: the fast-stroke velocity error still fell at every rate at stage 10's end
# (model card: 3000 more iterations at stage 9's width gave most of stage 10's gain, so the detail was undertrained).
#   python tools/train.py configs/mapnet/mapnet_fast_detail_wide_ft.py
# (the shipped run: 3000 iterations on 2 CPU cores, ~6 min, from stage 10's float16 export, model.init_from pointing
#  at it)
_base_ = ['./mapnet_fast_detail_wide.py']
model = dict(init_from='work_dirs/mapnet_fast_detail_wide/iter_3000.pth')
