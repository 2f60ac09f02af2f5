"""Stems each line of stdin with NLTK's Porter stemmer in Martin Porter's own variant (his
reference C implementation's departures from the 1980 paper), one stem a line on stdout."""
import sys

from nltk.stem.porter import PorterStemmer

stemmer = PorterStemmer(mode=PorterStemmer.MARTIN_EXTENSIONS)
for line in sys.stdin:
    word = line.rstrip("\n")
    print(stemmer.stem(word, to_lowercase=False))
