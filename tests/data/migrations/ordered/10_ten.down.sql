-- the down step of version 10: never applied forward
DROP TABLE ten;
