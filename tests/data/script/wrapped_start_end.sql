start transaction;
CREATE TABLE a (id int);
end;
