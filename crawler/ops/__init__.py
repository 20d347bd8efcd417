"""Operations: running crawls, the archive lock, run monitoring, scrapyd."""
