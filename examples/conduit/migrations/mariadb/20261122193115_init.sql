SET SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES,NO_BACKSLASH_ESCAPES,PIPES_AS_CONCAT');
CREATE TABLE IF NOT EXISTS "users" (
    "id" BIGINT AUTO_INCREMENT PRIMARY KEY,
    "email" VARCHAR(255) NOT NULL,
    "username" VARCHAR(255) NOT NULL,
    "password" LONGTEXT NOT NULL,
    "bio" LONGTEXT,
    "image" LONGTEXT,
    "fastrs_tokens_revoked_at" BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT "users_email_key" UNIQUE ("email"),
    CONSTRAINT "users_username_key" UNIQUE ("username")
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE TABLE IF NOT EXISTS "follows" (
    "id" BIGINT AUTO_INCREMENT PRIMARY KEY,
    "follower_id" BIGINT NOT NULL,
    "followee_id" BIGINT NOT NULL,
    CONSTRAINT "follows_follower_id_fkey" FOREIGN KEY ("follower_id") REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "follows_followee_id_fkey" FOREIGN KEY ("followee_id") REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "follows_follower_id_followee_id_key" UNIQUE ("follower_id", "followee_id")
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE INDEX IF NOT EXISTS "follows_follower_id_idx" ON "follows" ("follower_id");
CREATE INDEX IF NOT EXISTS "follows_followee_id_idx" ON "follows" ("followee_id");
CREATE TABLE IF NOT EXISTS "articles" (
    "id" BIGINT AUTO_INCREMENT PRIMARY KEY,
    "author_id" BIGINT NOT NULL,
    "slug" VARCHAR(255) NOT NULL,
    "title" LONGTEXT NOT NULL,
    "description" LONGTEXT NOT NULL,
    "body" LONGTEXT NOT NULL,
    "tag_list" JSON NOT NULL,
    "created_at" DATETIME(6) NOT NULL,
    "updated_at" DATETIME(6) NOT NULL,
    CONSTRAINT "articles_author_id_fkey" FOREIGN KEY ("author_id") REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "articles_slug_key" UNIQUE ("slug")
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE INDEX IF NOT EXISTS "articles_author_id_idx" ON "articles" ("author_id");
CREATE INDEX IF NOT EXISTS "articles_created_at_idx" ON "articles" ("created_at");
CREATE TABLE IF NOT EXISTS "favorites" (
    "id" BIGINT AUTO_INCREMENT PRIMARY KEY,
    "user_id" BIGINT NOT NULL,
    "article_id" BIGINT NOT NULL,
    CONSTRAINT "favorites_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "favorites_article_id_fkey" FOREIGN KEY ("article_id") REFERENCES "articles" ("id") ON DELETE CASCADE,
    CONSTRAINT "favorites_user_id_article_id_key" UNIQUE ("user_id", "article_id")
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE INDEX IF NOT EXISTS "favorites_user_id_idx" ON "favorites" ("user_id");
CREATE INDEX IF NOT EXISTS "favorites_article_id_idx" ON "favorites" ("article_id");
CREATE TABLE IF NOT EXISTS "comments" (
    "id" BIGINT AUTO_INCREMENT PRIMARY KEY,
    "author_id" BIGINT NOT NULL,
    "article_id" BIGINT NOT NULL,
    "body" LONGTEXT NOT NULL,
    "created_at" DATETIME(6) NOT NULL,
    "updated_at" DATETIME(6) NOT NULL,
    CONSTRAINT "comments_author_id_fkey" FOREIGN KEY ("author_id") REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "comments_article_id_fkey" FOREIGN KEY ("article_id") REFERENCES "articles" ("id") ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE INDEX IF NOT EXISTS "comments_author_id_idx" ON "comments" ("author_id");
CREATE INDEX IF NOT EXISTS "comments_article_id_idx" ON "comments" ("article_id");
CREATE TABLE IF NOT EXISTS "tags" (
    "id" BIGINT AUTO_INCREMENT PRIMARY KEY,
    "name" VARCHAR(255) NOT NULL,
    CONSTRAINT "tags_name_key" UNIQUE ("name")
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE TABLE IF NOT EXISTS "fastrs_session_tokens" (
    "jti" VARCHAR(255) PRIMARY KEY,
    "sub" VARCHAR(255) NOT NULL,
    "family" VARCHAR(255) NOT NULL,
    "expires_at" BIGINT NOT NULL,
    "used_at" BIGINT,
    "revoked" BOOLEAN NOT NULL DEFAULT FALSE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE INDEX IF NOT EXISTS "fastrs_session_tokens_sub_idx" ON "fastrs_session_tokens" ("sub");
CREATE INDEX IF NOT EXISTS "fastrs_session_tokens_family_idx" ON "fastrs_session_tokens" ("family");
CREATE TABLE IF NOT EXISTS "fastrs_locks" (
    "name" VARCHAR(64) PRIMARY KEY
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
-- fastrs-schema: {"tables":[{"name":"users","columns":[{"name":"id","type":"BIGINT AUTO_INCREMENT PRIMARY KEY","not_null":false,"default":null,"values":[]},{"name":"email","type":"VARCHAR(255)","not_null":true,"default":null,"values":[]},{"name":"username","type":"VARCHAR(255)","not_null":true,"default":null,"values":[]},{"name":"password","type":"LONGTEXT","not_null":true,"default":null,"values":[]},{"name":"bio","type":"LONGTEXT","not_null":false,"default":null,"values":[]},{"name":"image","type":"LONGTEXT","not_null":false,"default":null,"values":[]},{"name":"fastrs_tokens_revoked_at","type":"BIGINT","not_null":true,"default":"0","values":[]}],"constraints":[{"kind":"unique","name":"users_email_key","columns":["email"]},{"kind":"unique","name":"users_username_key","columns":["username"]}],"indexes":[],"options":"ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin"},{"name":"follows","columns":[{"name":"id","type":"BIGINT AUTO_INCREMENT PRIMARY KEY","not_null":false,"default":null,"values":[]},{"name":"follower_id","type":"BIGINT","not_null":true,"default":null,"values":[]},{"name":"followee_id","type":"BIGINT","not_null":true,"default":null,"values":[]}],"constraints":[{"kind":"foreign_key","name":"follows_follower_id_fkey","column":"follower_id","table":"users","references":"id","on_delete":"CASCADE"},{"kind":"foreign_key","name":"follows_followee_id_fkey","column":"followee_id","table":"users","references":"id","on_delete":"CASCADE"},{"kind":"unique","name":"follows_follower_id_followee_id_key","columns":["follower_id","followee_id"]}],"indexes":[{"name":"follows_follower_id_idx","columns":["follower_id"]},{"name":"follows_followee_id_idx","columns":["followee_id"]}],"options":"ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin"},{"name":"articles","columns":[{"name":"id","type":"BIGINT AUTO_INCREMENT PRIMARY KEY","not_null":false,"default":null,"values":[]},{"name":"author_id","type":"BIGINT","not_null":true,"default":null,"values":[]},{"name":"slug","type":"VARCHAR(255)","not_null":true,"default":null,"values":[]},{"name":"title","type":"LONGTEXT","not_null":true,"default":null,"values":[]},{"name":"description","type":"LONGTEXT","not_null":true,"default":null,"values":[]},{"name":"body","type":"LONGTEXT","not_null":true,"default":null,"values":[]},{"name":"tag_list","type":"JSON","not_null":true,"default":null,"values":[]},{"name":"created_at","type":"DATETIME(6)","not_null":true,"default":null,"values":[]},{"name":"updated_at","type":"DATETIME(6)","not_null":true,"default":null,"values":[]}],"constraints":[{"kind":"foreign_key","name":"articles_author_id_fkey","column":"author_id","table":"users","references":"id","on_delete":"CASCADE"},{"kind":"unique","name":"articles_slug_key","columns":["slug"]}],"indexes":[{"name":"articles_author_id_idx","columns":["author_id"]},{"name":"articles_created_at_idx","columns":["created_at"]}],"options":"ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin"},{"name":"favorites","columns":[{"name":"id","type":"BIGINT AUTO_INCREMENT PRIMARY KEY","not_null":false,"default":null,"values":[]},{"name":"user_id","type":"BIGINT","not_null":true,"default":null,"values":[]},{"name":"article_id","type":"BIGINT","not_null":true,"default":null,"values":[]}],"constraints":[{"kind":"foreign_key","name":"favorites_user_id_fkey","column":"user_id","table":"users","references":"id","on_delete":"CASCADE"},{"kind":"foreign_key","name":"favorites_article_id_fkey","column":"article_id","table":"articles","references":"id","on_delete":"CASCADE"},{"kind":"unique","name":"favorites_user_id_article_id_key","columns":["user_id","article_id"]}],"indexes":[{"name":"favorites_user_id_idx","columns":["user_id"]},{"name":"favorites_article_id_idx","columns":["article_id"]}],"options":"ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin"},{"name":"comments","columns":[{"name":"id","type":"BIGINT AUTO_INCREMENT PRIMARY KEY","not_null":false,"default":null,"values":[]},{"name":"author_id","type":"BIGINT","not_null":true,"default":null,"values":[]},{"name":"article_id","type":"BIGINT","not_null":true,"default":null,"values":[]},{"name":"body","type":"LONGTEXT","not_null":true,"default":null,"values":[]},{"name":"created_at","type":"DATETIME(6)","not_null":true,"default":null,"values":[]},{"name":"updated_at","type":"DATETIME(6)","not_null":true,"default":null,"values":[]}],"constraints":[{"kind":"foreign_key","name":"comments_author_id_fkey","column":"author_id","table":"users","references":"id","on_delete":"CASCADE"},{"kind":"foreign_key","name":"comments_article_id_fkey","column":"article_id","table":"articles","references":"id","on_delete":"CASCADE"}],"indexes":[{"name":"comments_author_id_idx","columns":["author_id"]},{"name":"comments_article_id_idx","columns":["article_id"]}],"options":"ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin"},{"name":"tags","columns":[{"name":"id","type":"BIGINT AUTO_INCREMENT PRIMARY KEY","not_null":false,"default":null,"values":[]},{"name":"name","type":"VARCHAR(255)","not_null":true,"default":null,"values":[]}],"constraints":[{"kind":"unique","name":"tags_name_key","columns":["name"]}],"indexes":[],"options":"ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin"},{"name":"fastrs_session_tokens","columns":[{"name":"jti","type":"VARCHAR(255) PRIMARY KEY","not_null":false,"default":null,"values":[]},{"name":"sub","type":"VARCHAR(255)","not_null":true,"default":null,"values":[]},{"name":"family","type":"VARCHAR(255)","not_null":true,"default":null,"values":[]},{"name":"expires_at","type":"BIGINT","not_null":true,"default":null,"values":[]},{"name":"used_at","type":"BIGINT","not_null":false,"default":null,"values":[]},{"name":"revoked","type":"BOOLEAN","not_null":true,"default":"FALSE","values":[]}],"constraints":[],"indexes":[{"name":"fastrs_session_tokens_sub_idx","columns":["sub"]},{"name":"fastrs_session_tokens_family_idx","columns":["family"]}],"options":"ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin"},{"name":"fastrs_locks","columns":[{"name":"name","type":"VARCHAR(64) PRIMARY KEY","not_null":false,"default":null,"values":[]}],"constraints":[],"indexes":[],"options":"ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin"}]}
