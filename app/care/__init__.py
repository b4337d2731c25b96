"""Customer care (客户关怀, seed 002): birthday and anniversary lists, reminders to the serving seat, care tasks
(再次服务 mining tasks), care templates over the 内容模板 and care records on the customer 360 page."""
