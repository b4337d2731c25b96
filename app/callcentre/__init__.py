"""Call centre (呼叫中心, seed 002): CTI screen-pop (来电弹屏) at a seat's extension and call-backs (回访)."""
