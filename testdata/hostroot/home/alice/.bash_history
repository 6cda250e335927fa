ls
pip install litellm==1.82.8
python -m pytest
