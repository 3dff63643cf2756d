/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>

#include "base/error.h"
#include "tap.h"

TEST(err_appends_strerror)
{
        _cleanup_error_ struct berth_error *e = NULL;

        ASSERT_EQ(berth_err(&e, ENOENT, "open `%s`", "/x"), -ENOENT);
        ASSERT_EQ(e->code, ENOENT);
        ASSERT_STREQ(e->msg, "open `/x`: No such file or directory");
}

TEST(err_msg_stands_alone_and_prefix_adds_context)
{
        _cleanup_error_ struct berth_error *e = NULL;

        ASSERT_EQ(berth_err_msg(&e, EINVAL, "bad `%s`", "thing"), -EINVAL);
        ASSERT_EQ(berth_err_prefix(&e, "create %s", "c1"), -EINVAL);
        ASSERT_STREQ(e->msg, "create c1: bad `thing`");
}

TEST(first_error_wins)
{
        _cleanup_error_ struct berth_error *e = NULL;

        berth_err_msg(&e, EPERM, "first");
        ASSERT_EQ(berth_err_msg(&e, EIO, "second"), -EIO);
        ASSERT_STREQ(e->msg, "first");
        ASSERT_EQ(berth_error_code(e), EPERM);
}

TEST(null_err_is_allowed)
{
        ASSERT_EQ(berth_err(NULL, EBUSY, "x"), -EBUSY);
        ASSERT_EQ(berth_err_msg(NULL, 0, "zero code becomes EINVAL"), -EINVAL);
}

int main(void)
{
        RUN(err_appends_strerror);
        RUN(err_msg_stands_alone_and_prefix_adds_context);
        RUN(first_error_wins);
        RUN(null_err_is_allowed);
        TAP_DONE();
}
