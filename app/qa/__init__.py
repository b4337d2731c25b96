"""业务问答 (business Q&A): question categories, questions seats ask, answers colleagues give, the asker's
accepted answer, summaries per category and month, and promotion of an accepted answer to a knowledge draft."""
