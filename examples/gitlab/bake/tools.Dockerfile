FROM scratch
COPY tools.txt /tools.txt
