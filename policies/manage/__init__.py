"""Policies kept by the departments that issue them (谁制定、谁梳理、谁解释、谁更新, #18):
the issuer's 本部门政策 pages, the 营商办's 待审核发布 queue and every policy's 修订记录.
State changes are in ``policies.services``; who may keep which policy in ``selectors``."""
