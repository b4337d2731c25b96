"""Trades (客户交易): creation by seats, the review chain (trade_review.bpmn), income records, interest
payments and settlement, status monitoring and comprehensive management."""
