"""What a trained model is told as: its evaluation data and a plain-language summary."""
