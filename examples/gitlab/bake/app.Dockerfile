FROM scratch
COPY app.txt /app.txt
