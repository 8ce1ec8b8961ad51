"""红黄黑榜, quarterly (明光's "每季度为各单位'一把手'定榜排座"), and the 约谈 it leads to."""
