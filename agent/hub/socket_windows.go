package hub

const defaultSocket = `\\.\pipe\kidtime-hub`
